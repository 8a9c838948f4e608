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

  // A request that takes a while (at most 30 s), to show that `docker stop` lets it finish.
  app.get<{ Querystring: { seconds?: string } }>("/slow", async (request) => {
    const asked = Number(request.query.seconds ?? 2);
    const seconds = Number.isFinite(asked) ? Math.min(Math.max(asked, 0), 30) : 2;
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    return { slept: seconds };
  });

  return app;
}
