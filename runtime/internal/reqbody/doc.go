// Package reqbody reads a client's request body whole, within a size and a time bound, and says
// which status a failed read deserves. It exists because net/http cancels a request's context when
// reading its body fails (a body shorter than its Content-Length, a read deadline, a reset), so a
// handler that takes every cancelled context for "the client went away" answers nothing, and net/http
// then sends its default 200 for a request that never reached Vault. The read error, not the
// context, tells what happened: Read's error is classified by Status.
package reqbody
