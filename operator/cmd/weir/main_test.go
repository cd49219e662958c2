package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// runWeir runs the whole command line, as main does.
func runWeir(t *testing.T, args ...string) (string, error) {
	t.Helper()
	root := rootCommand()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, err := runWeir(t, args...)
		if err != nil || !strings.Contains(out, version) {
			t.Errorf("weir %s: err %v, output %q, want the version %q", args[0], err, out, version)
		}
	}
}

var (
	weirCommandRef = regexp.MustCompile("`?weir ([a-z][a-z-]*)")
	flagRef        = regexp.MustCompile(`(?:^|[\s(,])--([a-z][a-z-]*)`)
)

// Help advertises only what exists: every `weir X` a help text names is a
// command, every --flag a flag of that command.
func TestHelpNamesOnlyWhatExists(t *testing.T) {
	root := rootCommand()
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, m := range weirCommandRef.FindAllStringSubmatch(c.Short+"\n"+c.Long+"\n"+c.Example, -1) {
			if found, _, err := root.Find([]string{m[1]}); err != nil || found == root {
				t.Errorf("%s: help names `weir %s`, which is no command", c.CommandPath(), m[1])
			}
		}
		for _, m := range flagRef.FindAllStringSubmatch(c.Long+"\n"+c.Example, -1) {
			if c.Flags().Lookup(m[1]) == nil && c.InheritedFlags().Lookup(m[1]) == nil {
				t.Errorf("%s: help names --%s, which is no flag of it", c.CommandPath(), m[1])
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}
