// The Hono app as Spin's JS templates build it: `fire()` registers a fetch-event listener, which
// componentize-js serves through its built-in fetch event (one request per instance).
import { fire } from 'hono/service-worker';
import { app } from './app.js';

fire(app);
