// The fan-out benchmark's baseline: the smallest useful broadcaster on the npm `ws` package, as
// its README shows it. `POST /publish` sends the body verbatim, as one text message, to every
// open WebSocket; the 200 goes out once every send is queued. Clients connect at `/` (any
// path) and get one small hello, the counterpart of electd's snapshot, so the benchmark can
// tell when each one is registered; what they send is ignored.
//
// usage: node broadcaster.mjs [HOST:PORT]   (default 127.0.0.1:0; logs "listening on http://HOST:PORT")
import http from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

const listen = process.argv[2] ?? '127.0.0.1:0';
const colon = listen.lastIndexOf(':');
const host = listen.slice(0, colon);
const port = Number(listen.slice(colon + 1));
const hello = Buffer.from('{"type":"snapshot","baseline":"ws"}');

const server = http.createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":"not_found"}');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    let sent = 0;
    for (const client of wss.clients) {
      if (client.readyState === WebSocket.OPEN) {
        client.send(body, { binary: false });
        ++sent;
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(`{"sent":${sent}}`);
  });
});

// No compression: electd sends uncompressed frames too.
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('error', () => {}); // a client that vanishes is just dropped
  ws.on('message', () => {});
  ws.send(hello);
});

server.listen(port, host, () => {
  console.error(`listening on http://${host}:${server.address().port}`);
});

// SIGTERM: stop at once; there is nothing to drain.
for (const signal of ['SIGTERM', 'SIGINT'])
  process.on(signal, () => {
    for (const client of wss.clients) client.terminate();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  });
