import NIOCore
import NIOHTTPTypes

/// Closes a connection whose next request has not fully arrived within `deadline` of the connection
/// opening or of the previous response: a client trickling its headers or body a byte at a time
/// (slow-loris) resets the idle timer with every byte, but not this one.
///
/// A connection has one timer, and a request does not touch it: each response only moves the time the
/// next request is due. When the timer fires before that time, it is set again for it; when a request is
/// being answered, it lapses until the response ends. Scheduling and cancelling a timer every request
/// cost five allocations a request on every connection.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let deadline: TimeAmount
    /// When the request awaited must have fully arrived; nil while one is being answered.
    private var due: NIODeadline?
    /// The connection's one timer, when set: it fires at or after `due`.
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount) {
        self.deadline = deadline
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { awaitRequest(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        awaitRequest(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .end = unwrapInboundIn(data) { due = nil }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { awaitRequest(context) }
        context.write(data, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        due = nil
    }

    private func awaitRequest(_ context: ChannelHandlerContext) {
        let due = context.eventLoop.now + deadline
        self.due = due
        if timer == nil { setTimer(context, at: due) }
    }

    private func setTimer(_ context: ChannelHandlerContext, at time: NIODeadline) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: time) {
            let (handler, context) = loopBound.value
            handler.timerFired(context)
        }
    }

    private func timerFired(_ context: ChannelHandlerContext) {
        timer = nil
        guard let due else { return }  // a request is being answered: its response sets the next time
        if context.eventLoop.now >= due {
            context.channel.close(promise: nil)
        } else {
            setTimer(context, at: due)
        }
    }
}
