import { describe, expect, it } from "vitest";
import { buildApp } from "./app.js";

describe("app", () => {
  it("answers /health with JSON", async () => {
    const app = buildApp();
    const response = await app.inject({ method: "GET", url: "/health" });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ status: "ok" });
    await app.close();
  });

  it("greets by name", async () => {
    const app = buildApp();
    const response = await app.inject({ method: "GET", url: "/hello/docker" });
    expect(response.json()).toEqual({ message: "Hello, docker!" });
    await app.close();
  });

  it("answers /slow after the time asked for, within bounds", async () => {
    const app = buildApp();
    const response = await app.inject({ method: "GET", url: "/slow?seconds=-1" });
    expect(response.json()).toEqual({ slept: 0 });
    await app.close();
  });
});
