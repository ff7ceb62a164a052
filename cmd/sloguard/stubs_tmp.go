package main

import (
	"context"
	"io"
)

func runCheck(ctx context.Context, args []string, stdout, stderr io.Writer) error  { return nil }
func runRules(ctx context.Context, args []string, stdout, stderr io.Writer) error  { return nil }
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error { return nil }
