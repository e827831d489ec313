import Kernels
import XCTest

final class LayoutTests: XCTestCase {
    func testConcatShuffleSlice() {
        var rng = SeededRandom(seed: 21)
        for plane in oddSizes + vectorSizes {
            let a = rng.floats(3 * plane), b = rng.floats(5 * plane)
            var want = [Float](repeating: 0, count: 8 * plane), got = want
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let parts = [(pa.baseAddress!, 3), (pb.baseAddress!, 5)]
                    Reference.concat(parts, planeSize: plane, output: &want)
                    Layout.concat(parts, planeSize: plane, output: &got)
                }
            }
            assertClose(got, want, .exact, "concat plane \(plane)")
            XCTAssertEqual(Array(want[(3 * plane)...]), b)

            for groups in [1, 2, 4] {
                var ws = [Float](repeating: 0, count: 8 * plane), gs = ws
                Reference.channelShuffle(input: want, channels: 8, groups: groups, planeSize: plane, output: &ws)
                Layout.channelShuffle(input: want, channels: 8, groups: groups, planeSize: plane, output: &gs)
                assertClose(gs, ws, .exact, "shuffle g\(groups) plane \(plane)")
            }
            var ws = [Float](repeating: 0, count: 3 * plane), gs = ws
            Reference.sliceChannels(input: want, start: 2, end: 5, planeSize: plane, output: &ws)
            Layout.sliceChannels(input: want, start: 2, end: 5, planeSize: plane, output: &gs)
            assertClose(gs, ws, .exact, "slice plane \(plane)")
        }
    }

    /// ShuffleNet's shuffle with 2 groups interleaves the halves: [a0 a1 b0 b1] → [a0 b0 a1 b1].
    func testChannelShuffleKnownOrder() {
        let x: [Float] = [0, 1, 2, 3]
        var y = [Float](repeating: -1, count: 4)
        Layout.channelShuffle(input: x, channels: 4, groups: 2, planeSize: 1, output: &y)
        XCTAssertEqual(y, [0, 2, 1, 3])
    }

    func testUpsampleNearestAndBilinear() {
        var rng = SeededRandom(seed: 22)
        for (h, w) in [(1, 1), (3, 7), (13, 1), (7, 127), (16, 16)] {
            let x = rng.floats(3 * h * w)
            for mode in [UpsampleMode.nearest, .bilinear] {
                var want = [Float](repeating: 0, count: 12 * h * w), got = want
                Reference.upsample2x(input: x, channels: 3, height: h, width: w, mode: mode, output: &want)
                Layout.upsample2x(input: x, channels: 3, height: h, width: w, mode: mode, output: &got)
                assertClose(got, want, mode == .nearest ? .exact : .interpolation, "upsample \(mode) \(h)×\(w)")
            }
        }
    }

    func testKernelSelectionNeverOffersWhatTheCPULacks() throws {
        XCTAssertTrue(KernelSelectionProbe.pathsAreConsistent())
    }
}
