package bus

import (
	"encoding/hex"
	"strconv"
)

// JournalSubject carries every committed journal record, in seq order.
const JournalSubject = "mts.journal"

// CmdSubject is the request subject of one engine partition.
func CmdSubject(partition int) string { return "mts.cmd." + strconv.Itoa(partition) }

// ExecSubject is the subject of one account's execution reports.
func ExecSubject(account string) string { return "mts.exec." + AccountToken(account) }

// escapeMark starts an escaped token; it is outside the plain alphabet.
const escapeMark = "~"

// AccountToken returns the subject token of an account: the account itself
// when it is plain ([A-Za-z0-9_-]+), else "~" and the hex of its bytes.
func AccountToken(account string) string {
	if plain(account) {
		return account
	}
	return escapeMark + hex.EncodeToString([]byte(account))
}

// AccountFromToken reverses AccountToken.
func AccountFromToken(token string) (string, bool) {
	if plain(token) {
		return token, true
	}
	if len(token) < len(escapeMark) || token[:len(escapeMark)] != escapeMark {
		return "", false
	}
	b, err := hex.DecodeString(token[len(escapeMark):])
	if err != nil || AccountToken(string(b)) != token {
		return "", false // not the form AccountToken would give
	}
	return string(b), true
}

func plain(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}
