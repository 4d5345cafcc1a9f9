// inventory: the shop's stock levels, a WAGI module in AssemblyScript (a WASI preview1 command printing a
// CGI response). On Kubernetes it runs as a StatefulSet with a volume at /data.

process.stdout.write('Content-Type: application/json\n\n{"service":"inventory","items":3}\n');
