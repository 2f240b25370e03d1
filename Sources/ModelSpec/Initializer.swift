/// How weights start (PyTorch's, He's or Glorot's rules). The weights are drawn by the
/// Trainer, from the model's seeded generator only.
public enum Initializer: String, Sendable, CaseIterable {
    /// PyTorch's default for Conv2d and Linear: kaiming-uniform with a = sqrt(5), that is
    /// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weights, and the same bound for biases.
    case pytorch
    /// He (kaiming) uniform U(-sqrt(6/fan_in), sqrt(6/fan_in)); zero biases.
    case heUniform = "he_uniform"
    /// He (kaiming) normal N(0, 2/fan_in); zero biases.
    case heNormal = "he_normal"
    /// Glorot (xavier) uniform U(-sqrt(6/(fan_in+fan_out)), +...); zero biases (Keras' default).
    case glorotUniform = "glorot_uniform"
    /// Glorot (xavier) normal N(0, 2/(fan_in+fan_out)); zero biases.
    case glorotNormal = "glorot_normal"
}
