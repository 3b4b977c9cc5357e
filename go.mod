module github.com/vaultproxy/vaultproxy

go 1.26.8
