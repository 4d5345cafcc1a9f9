// inventory: the shop's stock, a WAGI module in AssemblyScript (a WASI preview1 command printing a CGI
// response). Stock lives in /data/stock.log, one line per change ("item delta order"), appended in one
// write so concurrent requests never interleave; the stock of an item is its start level plus its deltas.
// GET /inventory → every item's stock; POST /inventory/reserve {"item","quantity","order"} → 200 or 409.
// On Kubernetes it runs as a StatefulSet: /data is the pod's volume.

import { env, isName, jsonInt, jsonString, readStdin, requestPath, respond } from '../../lib/cgi';
import { appendDataLine, readDataFile } from '../../lib/files';

const ITEMS: string[] = ['book', 'mug', 'pen'];
const START: i64[] = [10, 25, 100];
const LOG = 'stock.log';

function levels(): i64[] {
  const stock = START.slice(0);
  const lines = readDataFile(LOG).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const parts = lines[i].split(' ');
    if (parts.length < 2) continue;
    const at = ITEMS.indexOf(parts[0]);
    if (at >= 0) stock[at] += I64.parseInt(parts[1]);
  }
  return stock;
}

function stockJson(stock: i64[]): string {
  let out = '{';
  for (let i = 0; i < ITEMS.length; i++) {
    if (i > 0) out += ',';
    out += '"' + ITEMS[i] + '":' + stock[i].toString();
  }
  return out + '}';
}

const path = requestPath();
const method = env('REQUEST_METHOD');

if (path == '/inventory' && (method == 'GET' || method == 'HEAD')) {
  respond('200 OK', '{"service":"inventory","stock":' + stockJson(levels()) + '}');
} else if (path == '/inventory/reserve' && method == 'POST') {
  const body = String.UTF8.decode(readStdin().buffer);
  const item = jsonString(body, 'item');
  const quantity = jsonInt(body, 'quantity');
  const order = jsonString(body, 'order');
  const at = ITEMS.indexOf(item);
  if (at < 0) {
    respond('404 Not Found', '{"error":"unknown item; the shop has book, mug and pen"}');
  } else if (quantity < 1 || quantity > 1000) {
    respond('400 Bad Request', '{"error":"\\"quantity\\" must be an integer from 1 to 1000"}');
  } else if (order.length > 0 && !isName(order)) {
    respond('400 Bad Request', '{"error":"\\"order\\" must be letters, digits, - and _"}');
  } else {
    const left = levels()[at];
    if (left < quantity) {
      respond('409 Conflict', '{"error":"not enough ' + item + ' in stock","left":' + left.toString() + '}');
    } else {
      appendDataLine(LOG, item + ' -' + quantity.toString() + ' ' + (order.length > 0 ? order : '-'));
      process.stderr.write('inventory: reserved ' + quantity.toString() + ' ' + item + ' for ' + order + '\n');
      respond(
        '200 OK',
        '{"item":"' + item + '","reserved":' + quantity.toString() + ',"left":' + (left - quantity).toString() + '}',
      );
    }
  }
} else if (path == '/inventory' || path == '/inventory/reserve') {
  respond('405 Method Not Allowed', '{"error":"GET /inventory or POST /inventory/reserve"}');
} else {
  respond('404 Not Found', '{"error":"no route for ' + (isName(path.replaceAll('/', '')) ? path : 'that path') + '"}');
}
