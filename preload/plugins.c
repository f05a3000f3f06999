/* plugins.c — the descriptor table generated from the registry (preload/plugins.h). */
#include "preload/plugin.h"

#define GA__PLUGIN_EXTERN(ID, name) extern const ga_plugin ga_plugin_##name;
GA_PLUGINS(GA__PLUGIN_EXTERN)

#define GA__PLUGIN_ENTRY(ID, name) [GA_PROTO_##ID] = &ga_plugin_##name,
const ga_plugin *const ga_plugins[GA_PROTO_COUNT] = {
    GA_PLUGINS(GA__PLUGIN_ENTRY)
};
