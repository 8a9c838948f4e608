// Run with `node --test app/`: a test file the runtime image must not contain.
const test = require("node:test");
const assert = require("node:assert");
const { greet } = require("./greeting.js");

test("greets by name", () => assert.strictEqual(greet("you"), "hello, you"));
