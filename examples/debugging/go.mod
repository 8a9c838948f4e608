module debugging

go 1.27
