// node:http through require(): importing it as an ES module makes Node build its export facade, which
// reads the lazy properties that load undici (~30 ms of every start); require() does not.

import { createRequire } from 'node:module';

const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');

export default http;
