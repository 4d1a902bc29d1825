// The plugin's exported entry point (plugin.h).
#include "ssdlite_architecture.h"
#include "tinydet/plugin.h"

TINYDET_DECLARE_PLUGIN(TINYDET_PLUGIN_ARCHITECTURE, tinydet::Architecture,
                       tinydet::ssdlite::SsdliteMobileNetV2, "ssdlite_mobilenetv2", "1.1.0",
                       "SSDLite on MobileNetV2 (alpha 0.35-1.0), TF OD API anchors, 3:1 hard mining")
