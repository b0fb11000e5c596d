/// How a run measures: producers alone (`produce`, latency send → ack) or
/// producers and consumers together (`e2e`, latency send → consume). Sweeps,
/// plans and swarm runs run their cells, steps and shares in one of these.
public enum RunMode: String, Sendable, Codable {
    case produce
    case e2e
}
