#include "tests/sim/h264_pcm.hpp"

#include <vector>

namespace acepool::sim {

namespace {

/// Writes bits MSB first, with Exp-Golomb codes.
class bit_writer {
 public:
  void bit(unsigned b) {
    cur_ = static_cast<uint8_t>((cur_ << 1) | (b & 1));
    if (++n_ == 8) flush_byte();
  }
  void bits(uint32_t value, int count) {
    for (int i = count - 1; i >= 0; --i)
      bit((value >> i) & 1);
  }
  void ue(uint32_t v) {
    uint32_t x = v + 1;
    int len = 0;
    while ((x >> len) > 1)
      ++len;
    bits(0, len);
    bits(x, len + 1);
  }
  void se(int32_t v) {
    ue(v <= 0 ? static_cast<uint32_t>(-2 * v) : static_cast<uint32_t>(2 * v - 1));
  }
  bool aligned() const { return n_ == 0; }
  void align_zero() {
    while (!aligned())
      bit(0);
  }
  void trailing() {
    bit(1);
    align_zero();
  }
  void byte(uint8_t b) { bits(b, 8); }
  std::vector<uint8_t> take() { return std::move(out_); }

 private:
  void flush_byte() {
    out_.push_back(cur_);
    cur_ = 0;
    n_ = 0;
  }
  std::vector<uint8_t> out_;
  uint8_t cur_ = 0;
  int n_ = 0;
};

// Annex B NAL unit: start code, header, payload with emulation prevention bytes.
void append_nal(std::string& out, uint8_t header, const std::vector<uint8_t>& rbsp) {
  out.append("\x00\x00\x00\x01", 4);
  out.push_back(static_cast<char>(header));
  int zeros = 0;
  for (uint8_t b : rbsp) {
    if (zeros >= 2 && b <= 3) {
      out.push_back(3);
      zeros = 0;
    }
    out.push_back(static_cast<char>(b));
    zeros = b == 0 ? zeros + 1 : 0;
  }
}

std::vector<uint8_t> sps() {
  bit_writer w;
  w.bits(66, 8);    // profile_idc: Baseline
  w.bits(0xC0, 8);  // constraint_set0/1
  w.bits(10, 8);    // level_idc 1.0
  w.ue(0);          // seq_parameter_set_id
  w.ue(0);          // log2_max_frame_num_minus4
  w.ue(2);          // pic_order_cnt_type (output order = decode order)
  w.ue(1);          // max_num_ref_frames: each picture refers to nothing, but is a reference
  w.bit(0);         // gaps_in_frame_num_value_allowed_flag
  w.ue(picture_width / 16 - 1);
  w.ue(picture_height / 16 - 1);
  w.bit(1);  // frame_mbs_only_flag
  w.bit(1);  // direct_8x8_inference_flag
  w.bit(0);  // frame_cropping_flag
  w.bit(0);  // vui_parameters_present_flag
  w.trailing();
  return w.take();
}

std::vector<uint8_t> pps() {
  bit_writer w;
  w.ue(0);       // pic_parameter_set_id
  w.ue(0);       // seq_parameter_set_id
  w.bit(0);      // entropy_coding_mode_flag (CAVLC)
  w.bit(0);      // bottom_field_pic_order_in_frame_present_flag
  w.ue(0);       // num_slice_groups_minus1
  w.ue(0);       // num_ref_idx_l0_default_active_minus1
  w.ue(0);       // num_ref_idx_l1_default_active_minus1
  w.bit(0);      // weighted_pred_flag
  w.bits(0, 2);  // weighted_bipred_idc
  w.se(0);       // pic_init_qp_minus26
  w.se(0);       // pic_init_qs_minus26
  w.se(0);       // chroma_qp_index_offset
  w.bit(0);      // deblocking_filter_control_present_flag
  w.bit(0);      // constrained_intra_pred_flag
  w.bit(0);      // redundant_pic_cnt_present_flag
  w.trailing();
  return w.take();
}

// Samples stay within [16, 235]: studio range, and never an emulation-prone zero run.
uint8_t sample(uint32_t seed, uint64_t frame, int x, int y, int plane) {
  auto v = static_cast<uint32_t>((seed >> (plane * 8)) + static_cast<uint32_t>(frame) * 3 +
                                 static_cast<uint32_t>(x * (plane + 2) + y * (3 - plane)));
  return static_cast<uint8_t>(16 + v % 220);
}

/// An I slice of all I_PCM macroblocks: an IDR picture, or (`since_idr` > 0) a non-IDR reference
/// picture numbered from the last IDR.
std::vector<uint8_t> pcm_slice(uint32_t seed, uint64_t frame, uint64_t since_idr) {
  bool idr = since_idr == 0;
  bit_writer w;
  w.ue(0);                                           // first_mb_in_slice
  w.ue(7);                                           // slice_type: I (all slices)
  w.ue(0);                                           // pic_parameter_set_id
  w.bits(static_cast<uint32_t>(since_idr % 16), 4);  // frame_num (log2_max_frame_num = 4)
  if (idr) w.ue(static_cast<uint32_t>(frame % 2));   // idr_pic_id: consecutive IDRs differ
  if (idr) {
    w.bit(0);  // no_output_of_prior_pics_flag
    w.bit(0);  // long_term_reference_flag
  } else {
    w.bit(0);  // adaptive_ref_pic_marking_mode_flag: sliding window
  }
  w.se(0);  // slice_qp_delta
  const int mbs_x = picture_width / 16, mbs_y = picture_height / 16;
  for (int my = 0; my < mbs_y; ++my) {
    for (int mx = 0; mx < mbs_x; ++mx) {
      w.ue(25);  // mb_type I_PCM
      w.align_zero();
      for (int y = 0; y < 16; ++y)
        for (int x = 0; x < 16; ++x)
          w.byte(sample(seed, frame, mx * 16 + x, my * 16 + y, 0));
      for (int plane = 1; plane <= 2; ++plane)
        for (int y = 0; y < 8; ++y)
          for (int x = 0; x < 8; ++x)
            w.byte(sample(seed, frame, mx * 8 + x, my * 8 + y, plane));
    }
  }
  w.trailing();
  return w.take();
}

}  // namespace

std::string encode_pcm_frame(uint32_t seed, uint64_t frame, uint32_t gop) {
  std::string out;
  append_nal(out, 0x09, {0xF0});  // access unit delimiter: any slice type
  uint64_t since_idr = gop <= 1 ? 0 : frame % gop;
  if (since_idr == 0) {
    append_nal(out, 0x67, sps());
    append_nal(out, 0x68, pps());
    append_nal(out, 0x65, pcm_slice(seed, frame, 0));
  } else {
    append_nal(out, 0x41, pcm_slice(seed, frame, since_idr));  // nal_ref_idc 2, non-IDR slice
  }
  return out;
}

size_t max_pcm_frame_size() {
  static const size_t size = [] {
    size_t m = 0;
    for (uint64_t f = 0; f < 512; ++f)
      for (uint32_t s : {0u, 0xffffffffu, 0x12345678u})
        m = std::max(m, encode_pcm_frame(s, f).size());
    return m + 16;  // headroom for emulation prevention bytes of other seeds
  }();
  return size;
}

}  // namespace acepool::sim
