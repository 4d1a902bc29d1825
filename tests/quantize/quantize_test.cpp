// Post-training int8 quantisation: params, weights, propagation rules and SQNR.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>

#include "../support/test_models.h"
#include "tinydet/graph_builder.h"
#include "tinydet/layer_runner.h"
#include "tinydet/quantize.h"

namespace tinydet {
namespace {

TEST(ChooseQuantParams, TfliteAsymmetricWithNudgedZeroPoint) {
  QuantParams q = choose_quant_params(0.f, 6.f);
  EXPECT_FLOAT_EQ(q.scale, 6.f / 255.f);
  EXPECT_EQ(q.zero_point, -128);
  q = choose_quant_params(-1.f, 1.f);
  EXPECT_FLOAT_EQ(q.scale, 2.f / 255.f);
  EXPECT_EQ(q.zero_point, -1);  // -128 + 127.5 = -0.5, rounded half away from zero as TFLite does
  // The range is widened to include 0: [2, 4] quantises as [0, 4].
  q = choose_quant_params(2.f, 4.f);
  EXPECT_FLOAT_EQ(q.scale, 4.f / 255.f);
  EXPECT_EQ(q.zero_point, -128);
  q = choose_quant_params(-3.f, -1.f);
  EXPECT_EQ(q.zero_point, 127);
  // Zero is exactly representable for any range.
  for (float lo : {-0.37f, -2.f, -0.01f})
    for (float hi : {0.5f, 3.3f, 0.02f}) {
      q = choose_quant_params(lo, hi);
      EXPECT_GE(q.zero_point, -128);
      EXPECT_LE(q.zero_point, 127);
      EXPECT_GT(q.scale, 0.f);
    }
  EXPECT_TRUE(choose_quant_params(0.f, 0.f).valid());
}

TEST(InputConvention, PixelsAndFloats) {
  const uint8_t px[4] = {0, 1, 128, 255};
  float f[4];
  int8_t q[4], q2[4];
  pixels_to_float_input(px, 4, f);
  pixels_to_int8_input(px, 4, q);
  float_to_int8_input(f, 4, q2);
  for (int i = 0; i < 4; ++i) {
    EXPECT_FLOAT_EQ(f[i], px[i] / 255.f);
    EXPECT_EQ(q[i], int(px[i]) - 128);
    EXPECT_EQ(q2[i], q[i]);
  }
}

class QuantizeSmallMobileNet : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    float_graph_ = new Graph(test::small_mobilenet(32, 5));
    calibration_ = new std::vector<std::vector<float>>(test::smooth_images(float_graph_->input_shape(), 100, 21));
    held_out_ = new std::vector<std::vector<float>>(test::smooth_images(float_graph_->input_shape(), 30, 987));
  }
  static void TearDownTestSuite() {
    delete float_graph_;
    delete calibration_;
    delete held_out_;
  }
  static Graph* float_graph_;
  static std::vector<std::vector<float>>* calibration_;
  static std::vector<std::vector<float>>* held_out_;
};
Graph* QuantizeSmallMobileNet::float_graph_ = nullptr;
std::vector<std::vector<float>>* QuantizeSmallMobileNet::calibration_ = nullptr;
std::vector<std::vector<float>>* QuantizeSmallMobileNet::held_out_ = nullptr;

TEST_F(QuantizeSmallMobileNet, ParamsWeightsAndPropagation) {
  QuantizeReport report;
  QuantizeOptions plain;
  plain.bias_correction = false;  // biases rounded as they are (bias correction: below)
  const Graph q = quantize(*float_graph_, *calibration_, plain, &report);
  EXPECT_TRUE(q.quantized);
  EXPECT_EQ(report.calibration_images, 100);
  // BN and dropout were folded away.
  for (const Op& op : q.ops) {
    EXPECT_NE(op.type, OpType::BatchNorm);
    EXPECT_NE(op.type, OpType::Dropout);
  }
  for (const Tensor& t : q.tensors) EXPECT_TRUE(t.quant.valid()) << t.name;
  EXPECT_FLOAT_EQ(q.input_shape().elements() > 0 ? q.tensor(q.input).quant.scale : 0, 1.f / 255.f);
  EXPECT_EQ(q.tensor(q.input).quant.zero_point, -128);
  const Op& pool = q.ops[size_t(q.find_op("b2_pool"))];
  EXPECT_EQ(q.tensor(pool.output).quant.scale, q.tensor(pool.inputs[0]).quant.scale);
  EXPECT_EQ(q.tensor(pool.output).quant.zero_point, q.tensor(pool.inputs[0]).quant.zero_point);
  // ReLU6 outputs: range [0, <=6] so the zero point sits at -128.
  const Op& expand = q.ops[size_t(q.find_op("b1_expand"))];
  EXPECT_EQ(q.tensor(expand.output).quant.zero_point, -128);
  EXPECT_LE(q.tensor(expand.output).quant.scale, 6.f / 255.f + 1e-7f);
  for (const Op& op : q.ops) {
    if (op.type != OpType::Conv2D && op.type != OpType::FullyConnected) continue;
    ASSERT_EQ(op.weight_scales.size(), size_t(op.out_channels)) << op.name;
    ASSERT_EQ(op.qweights.size(), op.weights.size());
    ASSERT_EQ(op.qbias.size(), op.bias.size());
    const size_t per_oc = op.weights.size() / size_t(op.out_channels);
    const float in_scale = q.tensor(op.inputs[0]).quant.scale;
    for (size_t oc = 0; oc < size_t(op.out_channels); ++oc) {
      int max_q = 0;
      for (size_t j = 0; j < per_oc; ++j) {
        const float w = op.weights[oc * per_oc + j];
        const int qw = op.qweights[oc * per_oc + j];
        max_q = std::max(max_q, std::abs(qw));
        EXPECT_NEAR(qw * op.weight_scales[oc], w, 0.5f * op.weight_scales[oc] + 1e-7f);
      }
      EXPECT_EQ(max_q, 127) << op.name << " channel " << oc;  // symmetric: max|w| -> 127
      if (!op.bias.empty()) {
        EXPECT_EQ(op.qbias[oc], std::lround(double(op.bias[oc]) / (double(in_scale) * op.weight_scales[oc])));
      }
    }
  }
}

// End to end over the whole network, as the issue asks: a small MobileNetV2-style graph
// with random weights, int8 within 30 dB of float on the data it was calibrated on (and on
// held-out images of the same kind). The graphs are initialised exactly as the trainer
// initialises a network (He-normal, zero biases, identity BN), for the first three seeds.
// The "map" head is SSD-sized (48 channels): the SQNR of a random head is the ratio of
// the signal and noise power of a few random projections of the features, and with 4
// channels that ratio is a lottery between seeds (29.7 to 38.3 dB over seeds 1-20), while
// with 48 it averages out (31.7 to 36.6 dB); the mean is 33-34 dB for either width.
// Bias correction (on by default) lifts the sweep's minimum above 30 dB.
// Figures, and why the earlier random-BN graph reached only 27 dB: docs/engine.md.
TEST(QuantizeRandomMobileNets, Int8MatchesFloatAbove30dB) {
  for (uint64_t seed : {1, 2, 3}) {
    const Graph g = test::small_mobilenet(32, seed, {.map_channels = 48, .randomise_batchnorm = false});
    const auto calibration = test::smooth_images(g.input_shape(), 100, 21);
    const auto held_out = test::smooth_images(g.input_shape(), 30, 987);
    for (Observer obs : {Observer::MinMax, Observer::Percentile}) {
      QuantizeOptions opt;
      opt.observer = obs;
      QuantizeReport report;
      const Graph q = quantize(g, calibration, opt, &report);
      const std::vector<OutputSqnr> held = measure_sqnr(g, q, held_out);
      ASSERT_EQ(report.outputs.size(), 2u);
      ASSERT_EQ(held.size(), 2u);
      for (size_t o = 0; o < 2; ++o) {
        std::printf("seed %d, %s observer, output %s: SQNR %.2f dB on 100 calibration images, %.2f dB on 30 held-out\n",
                    int(seed), obs == Observer::MinMax ? "MinMax" : "Percentile(99.99)",
                    report.outputs[o].name.c_str(), report.outputs[o].sqnr_db, held[o].sqnr_db);
        EXPECT_GE(report.outputs[o].sqnr_db, 30.0) << "seed " << seed << " " << report.outputs[o].name;
        EXPECT_GE(held[o].sqnr_db, 30.0) << "seed " << seed << " " << held[o].name;
        EXPECT_NEAR(held[o].sqnr_db, report.outputs[o].sqnr_db, 2.0);  // no overfit to calibration
      }
    }
  }
}

// The seed sweep behind docs/engine.md (reported, not asserted; disabled because it takes
// seconds): min and mean SQNR over seeds 1-20 of each test-graph variant, with and without
// bias correction. Run: quantize_test --gtest_also_run_disabled_tests --gtest_filter='*SeedSweep*'
TEST(QuantizeRandomMobileNets, DISABLED_SeedSweep) {
  struct Variant {
    const char* name;
    test::SmallMobileNetOptions opt;
  };
  const Variant variants[] = {{"random BN statistics, 4-channel map (the old test graph)", {4, true}},
                              {"trainer init, 4-channel map", {4, false}},
                              {"trainer init, 48-channel map (the test graph)", {48, false}}};
  for (const Variant& v : variants)
    for (bool correction : {false, true})
      for (Observer obs : {Observer::MinMax, Observer::Percentile}) {
        double min_db[2] = {1e9, 1e9}, sum_db[2] = {0, 0};
        for (uint64_t seed = 1; seed <= 20; ++seed) {
          const Graph g = test::small_mobilenet(32, seed, v.opt);
          QuantizeOptions opt;
          opt.observer = obs;
          opt.bias_correction = correction;
          QuantizeReport report;
          quantize(g, test::smooth_images(g.input_shape(), 100, 21), opt, &report);
          for (int o = 0; o < 2; ++o) {
            min_db[o] = std::min(min_db[o], report.outputs[size_t(o)].sqnr_db);
            sum_db[o] += report.outputs[size_t(o)].sqnr_db;
          }
        }
        std::printf("%s, %s, %s: map min %.2f mean %.2f dB, logits min %.2f mean %.2f dB\n", v.name,
                    correction ? "bias correction" : "plain biases", obs == Observer::MinMax ? "MinMax" : "Percentile",
                    min_db[0], sum_db[0] / 20, min_db[1], sum_db[1] / 20);
      }
}

// Bias correction, checked by hand on one 1x1 conv over bright noisy images, where E[x]
// is simply the mean of each input channel: the int8 bias must be
// round((b - dW . E[x]) / (s_in * s_w)), and the int8 output then has no mean error per
// channel (output rounding averages out over the 4096 outputs per channel), while plainly
// rounded biases leave the weights' rounding error dW . E[x] in every output.
TEST(BiasCorrection, CancelsTheMeanErrorOfInt8Weights) {
  GraphBuilder b(Shape{8, 8, 3});
  const int y = b.conv2d(b.input(), 8, 1, 1, Act::None, "conv", ConvOptions{.bn = false, .bias = true});
  b.mark_output(y, "y");
  Graph g = b.finish();
  init_weights(g, 3);
  Op& conv = g.ops[0];
  for (size_t i = 0; i < conv.bias.size(); ++i) conv.bias[i] = 0.05f * float(i);
  const float pixel_mean[3] = {0.8f, 0.55f, 0.7f};  // bright inputs: a large mean
  std::mt19937 rng{11};
  std::uniform_real_distribution<float> jitter(-0.15f, 0.15f);
  std::vector<std::vector<float>> calibration;
  for (int k = 0; k < 64; ++k) {
    std::vector<float> img(8 * 8 * 3);
    for (size_t i = 0; i < img.size(); ++i) img[i] = std::round((pixel_mean[i % 3] + jitter(rng)) * 255.f) / 255.f;
    calibration.push_back(img);
  }
  double mean_x[3] = {0, 0, 0};
  for (const auto& img : calibration)
    for (size_t i = 0; i < img.size(); ++i) mean_x[i % 3] += double(img[i]) / (64.0 * double(calibration.size()));

  QuantizeOptions off;
  off.bias_correction = false;
  const Graph plain = quantize(g, calibration, off);
  const Graph corrected = quantize(g, calibration);
  const Op& qc = corrected.ops[0];
  const double in_scale = corrected.tensor(corrected.input).quant.scale;
  ASSERT_EQ(qc.qbias.size(), 8u);
  EXPECT_EQ(qc.qweights, plain.ops[0].qweights);  // only the biases change
  for (int oc = 0; oc < 8; ++oc) {
    double mean_error = 0;
    for (int c = 0; c < 3; ++c) {
      const double dw = qc.qweights[size_t(oc * 3 + c)] * double(qc.weight_scales[size_t(oc)]) - conv.weights[size_t(oc * 3 + c)];
      mean_error += dw * mean_x[c];
    }
    EXPECT_EQ(qc.qbias[size_t(oc)],
              std::lround((conv.bias[size_t(oc)] - mean_error) / (in_scale * qc.weight_scales[size_t(oc)])))
        << "channel " << oc;
  }
  // Mean int8 error per output channel over the calibration set.
  auto mean_abs_error = [&](const Graph& q) {
    LayerRunner f, r;
    f.prepare(g, DType::Float32);
    r.prepare(q, DType::Int8);
    const QuantParams& out = q.tensor(q.outputs[0].tensor).quant;
    std::vector<double> err(8, 0.0);
    for (const auto& img : calibration) {
      std::vector<int8_t> qin(img.size());
      float_to_int8_input(img.data(), img.size(), qin.data());
      f.invoke(img.data());
      r.invoke(qin.data());
      const auto* fo = static_cast<const float*>(f.output(0));
      const auto* qo = static_cast<const int8_t*>(r.output(0));
      for (int i = 0; i < 64 * 8; ++i)
        err[size_t(i % 8)] += (out.scale * (qo[i] - out.zero_point) - fo[i]) / (64.0 * double(calibration.size()));
    }
    double worst = 0;
    for (double e : err) worst = std::max(worst, std::fabs(e) / out.scale);
    return worst;  // in output quantisation steps
  };
  const double before = mean_abs_error(plain), after = mean_abs_error(corrected);
  std::printf("largest per-channel mean error: %.3f steps with plain biases, %.3f with bias correction\n", before, after);
  EXPECT_LE(after, 0.05);
  EXPECT_GE(before, 0.1);
}

// Op by op: each int8 op, fed the int8 tensors of the previous ops, must reproduce the
// float op applied to the dequantised inputs up to its own rounding (weights, bias and
// output quantisation): this isolates quantiser and kernel errors from the propagation of
// earlier noise through a random network.
TEST_F(QuantizeSmallMobileNet, EveryOpIsAccurateOnItsOwnInputs) {
  const Graph q = quantize(*float_graph_, *calibration_);
  std::vector<double> signal(q.ops.size(), 0.0), noise(q.ops.size(), 0.0);
  for (int k = 0; k < 10; ++k) {
    std::vector<std::vector<int8_t>> t(q.tensors.size());
    for (size_t i = 0; i < q.tensors.size(); ++i) t[i].resize(size_t(q.tensors[i].shape.elements()));
    float_to_int8_input((*held_out_)[size_t(k)].data(), t[size_t(q.input)].size(), t[size_t(q.input)].data());
    for (int i = 0; i < int(q.ops.size()); ++i) {
      const Op& op = q.ops[size_t(i)];
      const OpGeometry geo = geometry_of(q, i);
      const Int8OpParams params = prepare_int8(q, i);
      std::vector<const void*> in8;
      std::vector<std::vector<float>> deq(op.inputs.size());
      std::vector<const void*> inf;
      for (size_t j = 0; j < op.inputs.size(); ++j) {
        const auto& src = t[size_t(op.inputs[j])];
        const QuantParams& qp = q.tensor(op.inputs[j]).quant;
        for (int8_t v : src) deq[j].push_back(qp.scale * float(int(v) - qp.zero_point));
        in8.push_back(src.data());
        inf.push_back(deq[j].data());
      }
      KernelContext ctx;
      ctx.impl = KernelImpl::Reference;
      run_op(op, geo, DType::Int8, in8.data(), t[size_t(op.output)].data(), ctx, &params);
      std::vector<float> expect(size_t(geo.output.elements()));
      run_op(op, geo, DType::Float32, inf.data(), expect.data(), ctx);
      const QuantParams& oq = q.tensor(op.output).quant;
      for (size_t e = 0; e < expect.size(); ++e) {
        const double got = double(oq.scale) * (int(t[size_t(op.output)][e]) - oq.zero_point);
        signal[size_t(i)] += double(expect[e]) * expect[e];
        noise[size_t(i)] += (got - expect[e]) * (got - expect[e]);
      }
    }
  }
  for (size_t i = 0; i < q.ops.size(); ++i) {
    const double db = noise[i] > 0 ? 10 * std::log10(signal[i] / noise[i]) : 200.0;
    std::printf("op-local SQNR %-14s %6.2f dB\n", q.ops[i].name.c_str(), db);
    EXPECT_GE(db, 35.0) << q.ops[i].name;
  }
}

TEST_F(QuantizeSmallMobileNet, PercentileRangeIsNarrowerThanMinMax) {
  QuantizeOptions p;
  p.observer = Observer::Percentile;
  p.percentile = 99.0;
  const Graph a = quantize(*float_graph_, *calibration_);
  const Graph b = quantize(*float_graph_, *calibration_, p);
  int narrower = 0, wider = 0;
  for (size_t t = 0; t < a.tensors.size(); ++t) {
    narrower += b.tensors[t].quant.scale < a.tensors[t].quant.scale * 0.999f;
    wider += b.tensors[t].quant.scale > a.tensors[t].quant.scale * 1.001f;
  }
  EXPECT_GT(narrower, 5);
  EXPECT_EQ(wider, 0);
}

TEST_F(QuantizeSmallMobileNet, RejectsBadCalibration) {
  EXPECT_THROW(quantize(*float_graph_, {}), std::invalid_argument);
  EXPECT_THROW(quantize(*float_graph_, {std::vector<float>(7, 0.f)}), std::invalid_argument);
  QuantizeOptions p;
  p.observer = Observer::Percentile;
  p.percentile = 20;
  EXPECT_THROW(quantize(*float_graph_, *calibration_, p), std::invalid_argument);
}

}  // namespace
}  // namespace tinydet
