// Where frames without a symbol lie in their object. A stripped library's frames all read
// "???"; their offset from the object's load address (Frame::object_offset) names them
// apart (libz.so.1+0x3f2a) and is what `addr2line -e OBJECT` takes. The load address comes
// from the trace's memory maps, so the reader works it out once the whole trace is read.
#pragma once

#include "trace/trace.h"

namespace memattr {

// Sets Frame::object_offset of every "???" frame whose object a memory map of `trace` shows.
void place_unnamed_frames(Trace& trace);

}  // namespace memattr
