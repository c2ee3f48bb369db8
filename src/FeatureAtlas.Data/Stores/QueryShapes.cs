using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace FeatureAtlas.Data.Stores;

/// <summary>
/// A query shape written once, as an expression over a context, and used two ways: as an ordinary query on a
/// context (<see cref="On"/>), and filtered inside a compiled query (<see cref="Where{T, TA, TB}"/>), which skips
/// EF Core's per-call work of building, hashing and comparing the expression tree, or as a subquery of another compiled
/// query (<see cref="Of{T}"/> and <see cref="Inline{TDelegate}"/>). The feature page's reads are compiled this way
/// without a second copy of their projections.
/// </summary>
internal static class QueryShapes
{
    /// <summary>The shape as a query on <paramref name="db"/>.</summary>
    public static IQueryable<T> On<T>(this Expression<Func<AtlasDbContext, IQueryable<T>>> shape, AtlasDbContext db) =>
        ((IQueryable)db.Models).Provider.CreateQuery<T>(new Replace(shape.Parameters[0], Expression.Constant(db, typeof(AtlasDbContext))).Visit(shape.Body));

    /// <summary>The shape filtered by <paramref name="predicate"/> (which may query the same context), as a lambda for <c>EF.CompileAsyncQuery</c>.</summary>
    public static Expression<Func<AtlasDbContext, TA, TB, IQueryable<T>>> Where<T, TA, TB>(
        this Expression<Func<AtlasDbContext, IQueryable<T>>> shape, Expression<Func<AtlasDbContext, T, TA, TB, bool>> predicate)
    {
        var db = shape.Parameters[0];
        var (a, b) = (predicate.Parameters[2], predicate.Parameters[3]);
        return Expression.Lambda<Func<AtlasDbContext, TA, TB, IQueryable<T>>>(Filter(shape, predicate), db, a, b);
    }

    /// <inheritdoc cref="Where{T, TA, TB}"/>
    public static Expression<Func<AtlasDbContext, TA, TB, TC, IQueryable<T>>> Where<T, TA, TB, TC>(
        this Expression<Func<AtlasDbContext, IQueryable<T>>> shape, Expression<Func<AtlasDbContext, T, TA, TB, TC, bool>> predicate)
    {
        var db = shape.Parameters[0];
        var (a, b, c) = (predicate.Parameters[2], predicate.Parameters[3], predicate.Parameters[4]);
        return Expression.Lambda<Func<AtlasDbContext, TA, TB, TC, IQueryable<T>>>(Filter(shape, predicate), db, a, b, c);
    }

    /// <summary>
    /// Stands for <paramref name="shape"/> on <paramref name="db"/> inside a query that <see cref="Inline{TDelegate}"/>
    /// rewrites, so a compiled query can read a shape as a subquery (a collection in its projection); never runs.
    /// </summary>
    public static IQueryable<T> Of<T>(Expression<Func<AtlasDbContext, IQueryable<T>>> shape, AtlasDbContext db) =>
        throw new InvalidOperationException($"{nameof(QueryShapes)}.{nameof(Of)} only marks a shape inside a query passed to {nameof(Inline)}.");

    /// <summary><paramref name="query"/> with every <see cref="Of{T}"/> replaced by its shape's body on the context given there.</summary>
    public static Expression<TDelegate> Inline<TDelegate>(Expression<TDelegate> query) => (Expression<TDelegate>)new Inliner().Visit(query);

    // Queryable.Where(shape, row => predicate), the predicate's context parameter made the shape's.
    private static MethodCallExpression Filter<T>(Expression<Func<AtlasDbContext, IQueryable<T>>> shape, LambdaExpression predicate)
    {
        var row = predicate.Parameters[1];
        var body = new Replace(predicate.Parameters[0], shape.Parameters[0]).Visit(predicate.Body);
        return Expression.Call(typeof(Queryable), nameof(Queryable.Where), [typeof(T)], shape.Body, Expression.Quote(Expression.Lambda<Func<T, bool>>(body, row)));
    }

    private sealed class Inliner : ExpressionVisitor
    {
        protected override Expression VisitMethodCall(MethodCallExpression node)
        {
            if (node.Method.DeclaringType != typeof(QueryShapes) || node.Method.Name != nameof(Of)) return base.VisitMethodCall(node);
            // The shape is a static field or a constant: read it now, then put its body in place on the given context.
            var shape = (LambdaExpression)Expression.Lambda<Func<object>>(Expression.Convert(node.Arguments[0], typeof(object))).Compile()();
            return new Replace(shape.Parameters[0], Visit(node.Arguments[1])).Visit(shape.Body);
        }
    }

    private sealed class Replace(ParameterExpression from, Expression to) : ExpressionVisitor
    {
        protected override Expression VisitParameter(ParameterExpression node) => node == from ? to : node;
    }
}
