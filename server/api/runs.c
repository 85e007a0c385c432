/* PLACEHOLDER: being written. */
#include "api/api.h"
void api_runs_list(struct http_request *r)
{
	http_reply_problem(r, PROBLEM_NOT_FOUND, "not yet");
}
void api_runs_get(struct http_request *r)
{
	http_reply_problem(r, PROBLEM_NOT_FOUND, "not yet");
}
void api_runs_report(struct http_request *r)
{
	http_reply_problem(r, PROBLEM_NOT_FOUND, "not yet");
}
