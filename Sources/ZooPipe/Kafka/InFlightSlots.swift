import CRdKafka
import Foundation

/// Fixed tables of per-record bookkeeping (send time, intended time, token),
/// indexed by a slot number that travels in the message's opaque pointer.
/// Free slots sit on a stack: taking and returning one allocates nothing.
final class InFlightSlots {
    let capacity: Int
    let sendTimes: UnsafeMutablePointer<UInt64>
    let intendedTimes: UnsafeMutablePointer<UInt64>
    let tokens: UnsafeMutablePointer<UInt64>
    private let free: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private var freeCount: Int

    init(capacity: Int) {
        self.capacity = capacity
        sendTimes = .allocate(capacity: capacity)
        intendedTimes = .allocate(capacity: capacity)
        tokens = .allocate(capacity: capacity)
        free = .allocate(capacity: capacity)
        for i in 0..<capacity { free[i] = Int32(capacity - 1 - i) }
        freeCount = capacity
    }

    deinit {
        sendTimes.deallocate()
        intendedTimes.deallocate()
        tokens.deallocate()
        free.deallocate()
    }

    /// A free slot, or -1 when every slot is in flight.
    @inline(__always)
    func acquire() -> Int {
        if freeCount == 0 { return -1 }
        freeCount -= 1
        return Int(free[freeCount])
    }

    /// Slots not in flight.
    var available: Int { freeCount }

    @inline(__always)
    func release(_ slot: Int) {
        free[freeCount] = Int32(slot)
        freeCount += 1
    }

    @inline(__always)
    func fill(_ slot: Int, sendTime: UInt64, intendedTime: UInt64, token: UInt64) {
        sendTimes[slot] = sendTime
        intendedTimes[slot] = intendedTime
        tokens[slot] = token
    }
}
