// stag's version: the one place it is written (CMake reads it from here).
#pragma once

#define STAG_VERSION_MAJOR 0
#define STAG_VERSION_MINOR 1
#define STAG_VERSION_PATCH 0
#define STAG_VERSION_STRING "0.1.0"
