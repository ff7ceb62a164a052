package endpoint_test

import (
	"fmt"

	"github.com/sloguard/sloguard/internal/endpoint"
)

func ExampleParse() {
	u, err := endpoint.Parse("https://alice:hunter2@hooks.example/alerts?token=abc&team=sre")
	fmt.Println(endpoint.Redact(u), err)

	_, err = endpoint.Parse("alice:hunter2@hooks.example:9")
	fmt.Println(err)

	_, err = endpoint.Parse("http://alice:hunter2@hooks.example:port/")
	fmt.Println(err)
	// Output:
	// https://xxxxx@hooks.example/alerts?token=xxxxx&team=xxxxx <nil>
	// xxxxx@hooks.example:9: not a URL with a host: no // after the scheme: write it as http://host:port or https://host:port
	// not a URL: the port is not a number
}

func ExampleRedactText() {
	fmt.Println(endpoint.RedactText(`Post "https://collector:4318/v1/traces?api_key=abc": 401, header authorization=Bearer xyz`))
	// Output:
	// Post "https://collector:4318/v1/traces?api_key=xxxxx": 401, header authorization=xxxxx
}
