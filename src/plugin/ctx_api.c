/* ctx_api.c - the running-command half of the plugin ABI: options, stream
 * arguments, printing, errors and JSON documents, over the session helpers
 * the built-in commands use (src/cli/session.h, src/cli/output.h). */
#include "plugin/plugin_private.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include "cli/output.h"
#include "cli/session.h"

const mpa_capture *mpa_ctx_capture(const mpa_ctx *ctx)
{
	return ctx && ctx->s ? (const mpa_capture *)ctx->s->t : NULL;
}

const char *mpa_option(const mpa_ctx *ctx, const char *name)
{
	return ctx && name ? cmd_opt(ctx->s, name) : NULL;
}

int mpa_flag(const mpa_ctx *ctx, const char *name)
{
	return mpa_option(ctx, name) != NULL;
}

/* session_*_stream print their own message: the command counts as reported */
int mpa_arg_mptcp_stream(const mpa_ctx *ctx, const char *arg, uint32_t *id)
{
	if (!ctx || !arg || !id)
		return 0;
	if (!ctx->s->t)
		return !mpa_error(ctx, "no capture loaded (load one first: load_pcap FILE)");
	bool ok = session_mptcp_stream(ctx->s, arg, id);
	((mpa_ctx *)ctx)->reported |= !ok;
	return ok;
}

int mpa_arg_tcp_stream(const mpa_ctx *ctx, const char *arg, uint32_t *id)
{
	if (!ctx || !arg || !id)
		return 0;
	if (!ctx->s->t)
		return !mpa_error(ctx, "no capture loaded (load one first: load_pcap FILE)");
	bool ok = session_tcp_stream(ctx->s, arg, id);
	((mpa_ctx *)ctx)->reported |= !ok;
	return ok;
}

void mpa_print(const mpa_ctx *ctx, const char *fmt, ...)
{
	if (!fmt)
		return;
	va_list ap;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

int mpa_error(const mpa_ctx *ctx, const char *fmt, ...)
{
	if (!ctx || !fmt)
		return 1;
	va_list ap;
	va_start(ap, fmt);
	char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	cmd_fail(ctx->s, "%s", msg);
	g_free(msg);
	((mpa_ctx *)ctx)->reported = true;
	return 1;
}

/* ------------------------------------------------------------------- JSON */

mpa_json *mpa_json_begin(const mpa_ctx *ctx)
{
	if (!ctx)
		return NULL;
	mpa_json *j = g_new0(mpa_json, 1);
	j->ctx = (mpa_ctx *)ctx;
	j->open = g_string_new(NULL);
	j->b = out_json_begin(ctx->s, ctx->cmd ? ctx->cmd->cmd.name : "plugin");
	if (!j->ctx->open_json)
		j->ctx->open_json = g_ptr_array_new();
	g_ptr_array_add(j->ctx->open_json, j);
	return j;
}

/* names the next value when inside an object (name NULL inside an array) */
static void member(mpa_json *j, const char *name)
{
	if (name)
		json_builder_set_member_name(j->b, name);
}

void mpa_json_object(mpa_json *j, const char *name)
{
	if (!j)
		return;
	member(j, name);
	json_builder_begin_object(j->b);
	g_string_append_c(j->open, 'o');
}

void mpa_json_array(mpa_json *j, const char *name)
{
	if (!j)
		return;
	member(j, name);
	json_builder_begin_array(j->b);
	g_string_append_c(j->open, 'a');
}

void mpa_json_end(mpa_json *j)
{
	if (!j || j->open->len == 0)
		return; /* the root object is closed by mpa_json_print */
	if (j->open->str[j->open->len - 1] == 'a')
		json_builder_end_array(j->b);
	else
		json_builder_end_object(j->b);
	g_string_truncate(j->open, j->open->len - 1);
}

void mpa_json_int(mpa_json *j, const char *name, int64_t v)
{
	if (!j)
		return;
	member(j, name);
	json_builder_add_int_value(j->b, v);
}

void mpa_json_uint(mpa_json *j, const char *name, uint64_t v)
{
	if (!j)
		return;
	member(j, name);
	if (v == MPA_NO_VALUE)
		json_builder_add_null_value(j->b);
	else if (v > (uint64_t)INT64_MAX) { /* json-glib integers are int64: keep it exact */
		char digits[24];
		g_snprintf(digits, sizeof digits, "%" G_GUINT64_FORMAT, v);
		json_builder_add_string_value(j->b, digits);
	}
	else
		json_builder_add_int_value(j->b, (int64_t)v);
}

void mpa_json_double(mpa_json *j, const char *name, double v)
{
	if (!j)
		return;
	member(j, name);
	if (isfinite(v))
		json_builder_add_double_value(j->b, v);
	else
		json_builder_add_null_value(j->b);
}

void mpa_json_string(mpa_json *j, const char *name, const char *v)
{
	if (!j)
		return;
	member(j, name);
	if (v)
		json_builder_add_string_value(j->b, v);
	else
		json_builder_add_null_value(j->b);
}

void mpa_json_bool(mpa_json *j, const char *name, int v)
{
	if (!j)
		return;
	member(j, name);
	json_builder_add_boolean_value(j->b, v != 0);
}

void mpa_json_null(mpa_json *j, const char *name)
{
	if (!j)
		return;
	member(j, name);
	json_builder_add_null_value(j->b);
}

static void json_free(mpa_json *j)
{
	g_ptr_array_remove(j->ctx->open_json, j);
	g_object_unref(j->b);
	g_string_free(j->open, TRUE);
	g_free(j);
}

int mpa_json_print(mpa_json *j)
{
	if (!j)
		return 0;
	while (j->open->len > 0)
		mpa_json_end(j);
	json_builder_end_object(j->b);
	out_json_print(j->b);
	json_free(j);
	return 0;
}

void plugin_ctx_drop_json(struct mpa_ctx *ctx)
{
	while (ctx->open_json && ctx->open_json->len)
		json_free(g_ptr_array_index(ctx->open_json, 0));
	if (ctx->open_json)
		g_ptr_array_free(ctx->open_json, TRUE);
	ctx->open_json = NULL;
}
