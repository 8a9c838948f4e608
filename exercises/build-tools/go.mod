module example.com/exercise/build-tools

go 1.27
