package main

import (
	"fmt"
	"runtime"
)

func main() { fmt.Printf("hello from a Go module (%s)\n", runtime.GOOS) }
