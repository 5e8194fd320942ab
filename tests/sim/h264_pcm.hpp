#pragma once

#include <cstdint>
#include <string>

namespace acepool::sim {

/// Width and height of the simulator's picture in pixels (2 × 2 macroblocks).
constexpr int picture_width = 32;
constexpr int picture_height = 32;

/// One access unit of H.264 Annex B whose macroblocks are all I_PCM (raw samples, so no encoder
/// is needed). A keyframe (every `gop`-th frame from frame 0) is AUD, SPS, PPS and an IDR slice;
/// the frames between are AUD and a non-IDR I slice: decodable once the stream's first keyframe
/// was seen, but not a place a decoder or an HLS segmenter starts. The picture is a colour
/// pattern derived from `seed` that moves with `frame`.
std::string encode_pcm_frame(uint32_t seed, uint64_t frame, uint32_t gop = 1);

/// Whether `frame` is a keyframe for a group of pictures of `gop` frames.
inline bool is_keyframe(uint64_t frame, uint32_t gop) {
  return gop <= 1 || frame % gop == 0;
}

/// The largest size encode_pcm_frame() can return (for a fixed packet schedule).
size_t max_pcm_frame_size();

}  // namespace acepool::sim
