import Fastify, { type FastifyInstance } from "fastify";

export interface AppOptions {
  logger?: boolean;
}

/** Build the HTTP app without listening, so tests can call it with `inject`. */
export function buildApp(options: AppOptions = {}): FastifyInstance {
  const app = Fastify({ logger: options.logger ?? false });
  const startedAt = Date.now();

  app.get("/health", async () => ({
    status: "ok",
    uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
  }));

  app.get<{ Params: { name: string } }>("/hello/:name", async (request) => ({
    message: `Hello, ${request.params.name}!`,
  }));

  return app;
}
