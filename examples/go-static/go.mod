module example.com/go-static

go 1.27
