// The same Hono app as an exported incomingHandler (wasmkube's handler API): one instance serves many.
import { serve } from 'wasmkube/http';
import { app } from './app.js';

export const incomingHandler = serve((req) => app.fetch(req));
