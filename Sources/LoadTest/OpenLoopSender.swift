import NIOCore

/// Sends an open-loop schedule from the HTTP client's own event loops: request k from loop k mod n,
/// each loop waking (with its own timer) when its next request is due and sending every one then due.
///
/// No task and no timer thread stands between the schedule and the socket, and the answer is recorded
/// on the loop it arrives on: per request the generator costs its I/O and little else, so on a machine
/// it shares with the gateway it takes as little CPU from it as it can (decision record 0021).
struct OpenLoopSender: Sendable {
    let client: PartnerClient
    let requests: [PartnerClient.PreparedGET]
    let schedule: OpenLoopSchedule
    let outcomes: OpenLoopRecorder

    /// Sends the whole schedule from `start` (or until `stop`), then returns once every request is answered.
    func run(from start: ContinuousClock.Instant, stop: StopSignal) async throws {
        let loops = Array(client.eventLoops)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (offset, loop) in loops.enumerated() {
                group.addTask {
                    let done = loop.makePromise(of: Void.self)
                    loop.execute {
                        let lane = Lane(sender: self, loop: loop, first: offset, stride: loops.count, start: start, stop: stop, done: done)
                        lane.tick()
                    }
                    try await done.futureResult.get()
                }
            }
            try await group.waitForAll()
        }
        await outcomes.allAnswered()
    }

    /// One event loop's share: requests `first`, `first + stride`, … .
    private struct Lane: Sendable {
        let sender: OpenLoopSender
        let loop: any EventLoop
        let next: NIOLoopBoundBox<Int>
        let stride: Int
        let start: ContinuousClock.Instant
        let stop: StopSignal
        let done: EventLoopPromise<Void>

        init(
            sender: OpenLoopSender,
            loop: any EventLoop,
            first: Int,
            stride: Int,
            start: ContinuousClock.Instant,
            stop: StopSignal,
            done: EventLoopPromise<Void>
        ) {
            self.sender = sender
            self.loop = loop
            self.next = NIOLoopBoundBox(first, eventLoop: loop)
            self.stride = stride
            self.start = start
            self.stop = stop
            self.done = done
        }

        /// Sends what is due, then sleeps until the next one is.
        func tick() {
            let now = ContinuousClock.now
            while next.value < sender.schedule.total, !stop.isStopped {
                let due = start + sender.schedule.offset(of: next.value)
                guard due <= now else {
                    loop.scheduleTask(in: .nanoseconds((due - now).nanoseconds)) { tick() }
                    return
                }
                sender.send(next.value, due: due, on: loop)
                next.value += stride
            }
            done.succeed()
        }
    }

    private func send(_ request: Int, due: ContinuousClock.Instant, on loop: any EventLoop) {
        let prepared = requests[requests.count == 1 ? 0 : Int.random(in: 0..<requests.count)]
        let counted = request >= schedule.warmupRequests
        outcomes.sent()
        client.send(prepared, on: loop).whenComplete { result in
            let now = ContinuousClock.now
            outcomes.answered(counted ? .some(try? result.get()) : nil, latency: now - due, at: now)
        }
    }
}
