// A small HTTP server: GET /health answers "ok", GET / the greeting of config.json.
const http = require("node:http");
const config = require("./config.json");
const { greet } = require("./greeting.js");

const server = http.createServer((req, res) => {
  if (req.url === "/health") {
    res.end("ok\n");
    return;
  }
  res.end(greet(config.name) + "\n");
});

server.listen(config.port, () => console.log(`listening on ${config.port}`));

// PID 1 gets no default SIGTERM handler: close the server and exit, so `docker stop` is quick.
process.on("SIGTERM", () => server.close(() => process.exit(0)));
