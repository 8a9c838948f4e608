// A tiny HTTP server: GET /health answers "ok" and how long the server has been up (with ms).
import http from "node:http";
import ms from "ms";

const started = Date.now();
const server = http.createServer((request, response) => {
  if (request.method === "GET" && request.url === "/health") {
    response.writeHead(200, { "content-type": "text/plain" });
    response.end(`ok, up ${ms(Date.now() - started)}\n`);
    return;
  }
  response.writeHead(404).end();
});

server.listen(3000);
// docker stop sends SIGTERM: stop accepting connections, then exit 0.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
