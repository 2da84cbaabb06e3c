/* lazy_json.c - json-glib, opened on first use (see lazylib.h): only
 * commands given --json need it, and it brings GIO with it. */
#include <json-glib/json-glib.h>
#include "config.h"
#include "util/lazylib.h"

#define JSON_FUNCS(X, V, D) \
	X(JsonBuilder *, json_builder_new, (void), ()) \
	X(JsonNode *, json_builder_get_root, (JsonBuilder *b), (b)) \
	X(JsonBuilder *, json_builder_begin_object, (JsonBuilder *b), (b)) \
	X(JsonBuilder *, json_builder_end_object, (JsonBuilder *b), (b)) \
	X(JsonBuilder *, json_builder_begin_array, (JsonBuilder *b), (b)) \
	X(JsonBuilder *, json_builder_end_array, (JsonBuilder *b), (b)) \
	X(JsonBuilder *, json_builder_set_member_name, (JsonBuilder *b, const gchar *name), (b, name)) \
	X(JsonBuilder *, json_builder_add_int_value, (JsonBuilder *b, gint64 v), (b, v)) \
	X(JsonBuilder *, json_builder_add_double_value, (JsonBuilder *b, gdouble v), (b, v)) \
	X(JsonBuilder *, json_builder_add_boolean_value, (JsonBuilder *b, gboolean v), (b, v)) \
	X(JsonBuilder *, json_builder_add_string_value, (JsonBuilder *b, const gchar *v), (b, v)) \
	X(JsonBuilder *, json_builder_add_null_value, (JsonBuilder *b), (b)) \
	X(JsonGenerator *, json_generator_new, (void), ()) \
	V(json_generator_set_pretty, (JsonGenerator *g, gboolean pretty), (g, pretty)) \
	V(json_generator_set_root, (JsonGenerator *g, JsonNode *node), (g, node)) \
	X(gchar *, json_generator_to_data, (JsonGenerator *g, gsize *length), (g, length)) \
	V(json_node_unref, (JsonNode *node), (node))

LAZYLIB_DEFINE(lazy_json, JSON_FUNCS, LAZY_SONAME_JSON, "JSON output (--json)")
