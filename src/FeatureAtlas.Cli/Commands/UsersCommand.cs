using System.CommandLine;
using FeatureAtlas.Data;

namespace FeatureAtlas.Cli.Commands;

/// <summary><c>atlas users admin NAME [--revoke]</c>: admins moderate the site; only someone with the database can make one.</summary>
internal static class UsersCommand
{
    public static Command Create()
    {
        var users = new Command("users", "Manage the site's users.");
        var name = new Argument<string>("name") { Description = "The user name (as signed up on the site)." };
        var revoke = new Option<bool>("--revoke") { Description = "Take admin rights away instead." };
        var db = StoreOptions.Db();
        var admin = new Command("admin", "Make a user an admin (moderates lists, comments and explanations).") { name, revoke, db };
        admin.SetAction(async (parse, cancellationToken) =>
        {
            var store = await AtlasDatabase.OpenAsync(parse.GetValue(db)!, cancellationToken);
            var user = parse.GetValue(name)!;
            var isAdmin = !parse.GetValue(revoke);
            await store.Users.SetAdminAsync(user, isAdmin, cancellationToken);
            Console.WriteLine(isAdmin
                ? $"{user} is now an admin; their current sessions have ended, and the role applies when they sign in again."
                : $"{user} is no longer an admin; their current sessions have ended.");
            return ExitCodes.Success;
        });
        users.Subcommands.Add(admin);
        return users;
    }
}
