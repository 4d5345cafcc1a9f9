// wagi-go: a WAGI guest in Go (GOOS=wasip1), for the preview1 calls Go's runtime makes: PATH_INFO picks
// /sleep (time.Sleep for QUERY_STRING ms), /panic (a runtime panic and its message on stderr),
// /data (a file under the /data preopen, written and read back) or hello.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

func main() {
	switch os.Getenv("PATH_INFO") {
	case "/sleep":
		ms, _ := strconv.Atoi(os.Getenv("QUERY_STRING"))
		start := time.Now()
		time.Sleep(time.Duration(ms) * time.Millisecond)
		fmt.Printf("Content-Type: text/plain\n\nslept=%d\n", time.Since(start).Milliseconds())
	case "/panic":
		var table map[string]int
		table["go guest panicked on purpose"] = 1
	case "/data":
		if err := os.WriteFile("/data/go.txt", []byte("written by go\n"), 0o644); err != nil {
			fmt.Printf("Status: 500 Internal Server Error\nContent-Type: text/plain\n\nwrite: %v\n", err)
			return
		}
		b, err := os.ReadFile("/data/go.txt")
		if err != nil {
			fmt.Printf("Status: 500 Internal Server Error\nContent-Type: text/plain\n\nread: %v\n", err)
			return
		}
		_, escape := os.ReadFile("/data/../etc/passwd")
		fmt.Printf("Content-Type: text/plain\n\n%sescape refused: %v\n", b, escape != nil)
	default:
		fmt.Print("Content-Type: text/plain\n\nhello from go\n")
	}
}
