# Every example target, so `docker buildx bake` builds them all (BuildKit schedules the graph)
# and `nox -s measure` measures them. Tags: guide/<example>:<target>.

group "default" {
  targets = ["basic", "python-api", "python-api-single", "node-app", "node-app-single",
             "shared-stages", "nextjs-standalone", "nextjs-standalone-single", "arg-scope",
             "dockerignore", "go-static", "go-static-arm64", "go-static-single",
             "python-uv"]
}

target "_guide" {
  labels = { "dev.multistage-guide.built-by" = "harness" }
}

target "basic" {
  inherits = ["_guide"]
  name     = "basic-${tgt}"
  matrix   = { tgt = ["builder", "runner"] }
  context  = "examples/basic"
  target   = tgt
  tags     = ["guide/basic:${tgt}"]
}

target "python-api" {
  inherits = ["_guide"]
  name     = "python-api-${tgt}"
  matrix   = { tgt = ["builder", "test", "dev", "trimmed", "runner-minimal", "runner"] }
  context  = "examples/python-api"
  target   = tgt
  tags     = ["guide/python-api:${tgt}"]
}

target "python-api-single" {
  inherits   = ["_guide"]
  name       = "python-api-${variant}"
  matrix     = { variant = ["single", "single-slim"] }
  context    = "examples/python-api"
  dockerfile = "Dockerfile.${variant}"
  tags       = ["guide/python-api:${variant}"]
}

target "node-app" {
  inherits = ["_guide"]
  name     = "node-app-${tgt}"
  matrix   = { tgt = ["deps", "prod-deps", "builder", "runner-original", "runner-minimal", "runner"] }
  context  = "examples/node-app"
  target   = tgt
  tags     = ["guide/node-app:${tgt}"]
}

target "node-app-single" {
  inherits   = ["_guide"]
  context    = "examples/node-app"
  dockerfile = "Dockerfile.single"
  tags       = ["guide/node-app:single"]
}

target "shared-stages" {
  inherits = ["_guide"]
  name     = "shared-stages-${tgt}"
  matrix   = { tgt = ["api", "worker"] }
  context  = "examples/shared-stages"
  target   = tgt
  tags     = ["guide/shared-stages:${tgt}"]
}

target "nextjs-standalone" {
  inherits = ["_guide"]
  name     = "nextjs-standalone-${tgt}"
  matrix   = { tgt = ["deps", "builder", "runner-broken", "runner"] }
  context  = "examples/nextjs-standalone"
  target   = tgt
  tags     = ["guide/nextjs-standalone:${tgt}"]
}

target "nextjs-standalone-single" {
  inherits   = ["_guide"]
  context    = "examples/nextjs-standalone"
  dockerfile = "Dockerfile.single"
  tags       = ["guide/nextjs-standalone:single"]
}

target "arg-scope" {
  inherits = ["_guide"]
  name     = "arg-scope-${tgt}"
  matrix   = { tgt = ["next", "runner"] }
  context  = "examples/arg-scope"
  target   = tgt
  tags     = ["guide/arg-scope:${tgt}"]
}

target "dockerignore" {
  inherits   = ["_guide"]
  context    = "examples/dockerignore"
  dockerfile = "Dockerfile.docs"
  tags       = ["guide/dockerignore:docs"]
}

target "go-static" {
  inherits = ["_guide"]
  name     = "go-static-${tgt}"
  matrix   = { tgt = ["build", "runner"] }
  context  = "examples/go-static"
  target   = tgt
  tags     = ["guide/go-static:${tgt}"]
}

# The same runner for another CPU: the builder runs on this machine's platform and
# cross-compiles, so no emulation is needed.
target "go-static-arm64" {
  inherits  = ["_guide"]
  context   = "examples/go-static"
  target    = "runner"
  platforms = ["linux/arm64"]
  tags      = ["guide/go-static:runner-arm64"]
}

target "go-static-single" {
  inherits   = ["_guide"]
  context    = "examples/go-static"
  dockerfile = "Dockerfile.single"
  tags       = ["guide/go-static:single"]
}

target "python-uv" {
  inherits = ["_guide"]
  name     = "python-uv-${tgt}"
  matrix   = { tgt = ["builder", "runner"] }
  context  = "examples/python-uv"
  target   = tgt
  tags     = ["guide/python-uv:${tgt}"]
}
