/* PLACEHOLDER: being written. */
#include "api/api.h"
void api_repos_list(struct http_request *r)
{
	http_reply_problem(r, PROBLEM_NOT_FOUND, "not yet");
}
void api_pulls_get(struct http_request *r)
{
	http_reply_problem(r, PROBLEM_NOT_FOUND, "not yet");
}
void api_commits_get(struct http_request *r)
{
	http_reply_problem(r, PROBLEM_NOT_FOUND, "not yet");
}
void api_branch_health(struct http_request *r)
{
	http_reply_problem(r, PROBLEM_NOT_FOUND, "not yet");
}
