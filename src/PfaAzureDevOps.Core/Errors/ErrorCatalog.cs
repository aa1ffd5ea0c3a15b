using System;
using System.Collections.Generic;

namespace PfaAzureDevOps.Core.Errors
{
    /// <summary>
    /// Every error id the module can report, engine and cmdlets alike, each with its kind, its meaning and what the user
    /// should do (the entries live in ErrorCatalog.Local.cs, .SignIn.cs and .Remote.cs, grouped by area). The Errors
    /// section of docs/en-US/about_PfaAzureDevOps.md is this catalog, rendered; the catalog test in
    /// tests/PfaAzureDevOps.Core.Tests/Errors checks that the two agree, that every id thrown or written in src/ is here,
    /// and that every id here is used. A new id: a constant in <see cref="ErrorIds"/>, an entry here, then run that test.
    /// </summary>
    public static partial class ErrorCatalog
    {
        private static readonly Lazy<IReadOnlyList<ErrorEntry>> Entries = new Lazy<IReadOnlyList<ErrorEntry>>(Build);
        private static readonly Lazy<Dictionary<string, ErrorEntry>> ById = new Lazy<Dictionary<string, ErrorEntry>>(Index);

        /// <summary>Every entry, area by area, in the order the about topic lists them.</summary>
        public static IReadOnlyList<ErrorEntry> All => Entries.Value;

        /// <summary>The entry of <paramref name="id"/>, or null when the catalog does not know it.</summary>
        public static ErrorEntry? Find(string? id) =>
            id != null && ById.Value.TryGetValue(id, out ErrorEntry? entry) ? entry : null;

        /// <summary>The PowerShell ErrorCategory name the cmdlets report a kind as (ErrorMapper in the cmdlets maps it).</summary>
        public static string CategoryName(PfaErrorKind kind)
        {
            switch (kind)
            {
                case PfaErrorKind.NotFound: return "ObjectNotFound";
                case PfaErrorKind.AlreadyExists: return "ResourceExists";
                case PfaErrorKind.Authentication: return "AuthenticationError";
                default: return kind.ToString();
            }
        }

        private static IReadOnlyList<ErrorEntry> Build()
        {
            var list = new List<ErrorEntry>();
            AddInput(list);
            AddStore(list);
            AddRegistration(list);
            AddSignIn(list);
            AddEntra(list);
            AddRest(list);
            AddSshKey(list);
            AddAzKey(list);
            AddGit(list);
            AddAny(list);
            return list.AsReadOnly();
        }

        private static Dictionary<string, ErrorEntry> Index()
        {
            var index = new Dictionary<string, ErrorEntry>(StringComparer.Ordinal);
            foreach (ErrorEntry entry in All)
            {
                if (index.ContainsKey(entry.Id))
                {
                    throw new InvalidOperationException("The error catalog lists '" + entry.Id + "' twice.");
                }

                index.Add(entry.Id, entry);
            }

            return index;
        }
    }
}
