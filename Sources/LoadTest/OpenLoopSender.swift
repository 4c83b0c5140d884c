import NIOCore

/// Sends an open-loop schedule from the HTTP client's own event loops: request k from loop k mod n,
/// each loop waking (with its own timer) when its next request is due and sending every one then due,
/// on that loop's own connections (`LoopConnections`).
///
/// No task and no timer thread stands between the schedule and the socket, and the answer is recorded
/// on the loop it arrives on: per request the generator costs its I/O and little else, so on a machine
/// it shares with the gateway it takes as little CPU from it as it can (decision record 0021).
struct OpenLoopSender: Sendable {
    let client: PartnerClient
    let requests: [PartnerClient.PreparedGET]
    let schedule: OpenLoopSchedule
    let outcomes: OpenLoopRecorder
    /// Connections at most, shared out among the loops (each loop at least one, so a request always has a way out).
    let connections: Int

    /// Sends the whole schedule from `start` (or until `stop`), then returns once every request is answered.
    func run(from start: ContinuousClock.Instant, stop: StopSignal) async throws {
        let loops = Array(client.eventLoops)
        let share = max(1, (connections + loops.count - 1) / loops.count)
        var pools: [NIOLoopBound<LoopConnections>] = []
        for loop in loops {
            pools.append(
                try await loop.submit { [client] in NIOLoopBound(LoopConnections(loop: loop, server: client.server, limit: share), eventLoop: loop) }
                    .get()
            )
        }
        let lanes = zip(loops, pools).enumerated().map { offset, element in
            let (loop, pool) = element
            let done = loop.makePromise(of: Void.self)
            loop.execute {
                Lane(
                    sender: self,
                    loop: loop,
                    connections: pool,
                    next: NIOLoopBoundBox(offset, eventLoop: loop),
                    stride: loops.count,
                    start: start,
                    stop: stop,
                    done: done
                )
                .tick()
            }
            return done.futureResult
        }
        try await EventLoopFuture.andAllSucceed(lanes, on: loops[0]).get()
        await outcomes.allAnswered()
        for (loop, pool) in zip(loops, pools) { try await loop.flatSubmit { pool.value.close() }.get() }
    }

    /// One event loop's share: requests `next`, `next + stride`, … .
    private struct Lane: Sendable {
        let sender: OpenLoopSender
        let loop: any EventLoop
        let connections: NIOLoopBound<LoopConnections>
        let next: NIOLoopBoundBox<Int>
        let stride: Int
        let start: ContinuousClock.Instant
        let stop: StopSignal
        let done: EventLoopPromise<Void>

        /// Sends what is due, then sleeps until the next one is.
        func tick() {
            let now = ContinuousClock.now
            while next.value < sender.schedule.total, !stop.isStopped {
                let due = start + sender.schedule.offset(of: next.value)
                guard due <= now else {
                    loop.scheduleTask(in: .nanoseconds((due - now).nanoseconds)) { tick() }
                    return
                }
                sender.send(next.value, due: due, on: connections.value)
                next.value += stride
            }
            done.succeed()
        }
    }

    private func send(_ request: Int, due: ContinuousClock.Instant, on connections: LoopConnections) {
        let counted = request >= schedule.warmupRequests
        outcomes.sent()
        // Never empty: a run with no path to request does not start.
        client.send(requests.randomElement()!, on: connections).whenComplete { result in
            let now = ContinuousClock.now
            outcomes.answered(try? result.get(), counted: counted, latency: now - due, at: now)
        }
    }
}
