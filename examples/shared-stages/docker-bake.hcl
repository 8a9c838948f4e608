# Every image of this example in one command: docker buildx bake --load
# One bake solves the common stage python-base once for all three targets, so api and worker
# are stacked on the same python-base layers even when the build cache holds more than one
# result for it (after a --no-cache build, say).
group "default" {
  targets = ["python-base", "api", "worker"]
}

target "python-base" {
  target = "python-base"
  tags   = ["shared-stages:python-base"]
}

target "api" {
  target = "api"
  tags   = ["shared-stages:api"]
}

target "worker" {
  target = "worker"
  tags   = ["shared-stages:worker"]
}
