namespace FeatureAtlas.Core.Steering;

/// <summary>
/// How a steering vector changes an activation h at its hook, for a unit direction v and coefficient c
/// (Neuronpedia's steer_method names in brackets).
/// </summary>
public enum SteeringMethod
{
    /// <summary>h ← h + c·v [SIMPLE_ADDITIVE].</summary>
    SimpleAdditive,

    /// <summary>h ← h − (h·v)v + c·(h·v)v: rescales the component along v; c = 0 removes it [ORTHOGONAL_DECOMP].</summary>
    OrthogonalDecomp,

    /// <summary>h ← h − max(0, h·v − c)·v: caps the projection on v at c [PROJECTION_CAP].</summary>
    ProjectionCap,

    /// <summary>
    /// h ← h + (c − a)·v with a the feature's folded activation on h: sets the feature to c and keeps the SAE's
    /// error term (the delta form of circuit-tracer's feature_intervention). Needs the SAE and feature index.
    /// "Folded units": the raw SAE's activation f_i(h) decodes as f_i·W_dec[i] = (f_i·‖W_dec[i]‖)·v, so the
    /// activation on the unit direction v is a = f_i(h)·‖W_dec[i]‖ (what the dashboards, which fold decoder norms,
    /// show); clamping a to c moves the reconstruction by (c − a)·v. For an SAE that normalises its input
    /// (constant_norm_rescale, layer_norm) the reconstruction is un-normalised on the way out, so the step in h is
    /// (c − a)·v times that scale (‖h‖/√d_in, or the std of h), exactly decode(a′) − decode(a) in h's units.
    /// </summary>
    Clamp,
}
