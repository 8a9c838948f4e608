// A program that uses the net package. With cgo on, as it is by default where a C compiler is
// installed (the golang image), Go links such a program against the C library.
package main

import (
	"fmt"
	"net"
)

func main() {
	addresses, err := net.LookupHost("localhost")
	if err != nil {
		fmt.Println("lookup failed:", err)
		return
	}
	fmt.Println("localhost is", addresses)
}
