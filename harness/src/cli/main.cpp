// Placeholder entry point; replaced by the CLI (foundation issue).
#include <cstdio>
int main() { std::puts("tinydet: CLI not built yet"); return 1; }
