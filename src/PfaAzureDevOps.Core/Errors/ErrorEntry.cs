namespace PfaAzureDevOps.Core.Errors
{
    /// <summary>One error id of <see cref="ErrorCatalog"/>: what it means and what the user should do.</summary>
    public sealed class ErrorEntry
    {
        internal ErrorEntry(string id, PfaErrorKind kind, string area, string meaning, string whatToDo)
        {
            Id = id;
            Kind = kind;
            Area = area;
            Meaning = meaning;
            WhatToDo = whatToDo;
        }

        /// <summary>The stable id (a constant of <see cref="ErrorIds"/>).</summary>
        public string Id { get; }

        /// <summary>The kind it is reported with (most throw sites; a few report a closer kind for their cause).</summary>
        public PfaErrorKind Kind { get; }

        /// <summary>The part of the module it belongs to (a heading of the about topic's Errors section).</summary>
        public string Area { get; }

        /// <summary>What happened, in a sentence or two.</summary>
        public string Meaning { get; }

        /// <summary>What the user should do about it.</summary>
        public string WhatToDo { get; }

        /// <summary>The PowerShell ErrorCategory name <see cref="Kind"/> becomes in the cmdlets.</summary>
        public string CategoryName => ErrorCatalog.CategoryName(Kind);
    }
}
