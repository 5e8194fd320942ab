#pragma once

#include <cstdint>
#include <string>

namespace acepool::sim {

/// Width and height of the simulator's picture in pixels (2 × 2 macroblocks).
constexpr int picture_width = 32;
constexpr int picture_height = 32;

/// One access unit of H.264 Annex B (AUD, SPS, PPS, IDR slice) whose macroblocks are all I_PCM
/// (raw samples, so no encoder is needed and every frame decodes on its own). The picture is a
/// colour pattern derived from `seed` that moves with `frame`.
std::string encode_pcm_frame(uint32_t seed, uint64_t frame);

/// The largest size encode_pcm_frame() can return (for a fixed packet schedule).
size_t max_pcm_frame_size();

}  // namespace acepool::sim
