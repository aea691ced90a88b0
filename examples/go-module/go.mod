module example.com/greeter/v2

go 1.19
