//go:build tools

package tools

import _ "github.com/git-lfs/lfs-test-server"
