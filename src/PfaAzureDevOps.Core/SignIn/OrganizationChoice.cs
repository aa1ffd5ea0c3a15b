using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using PfaAzureDevOps.Core.Errors;

namespace PfaAzureDevOps.Core.SignIn
{
    /// <summary>Asks a person which of their organizations a connection uses: a number or a name; Enter takes the first.</summary>
    public static class OrganizationChoice
    {
        public static string Ask(IReadOnlyList<string> names, ISignInUser user)
        {
            if (names is null || names.Count == 0)
            {
                throw new ArgumentException("No organizations to choose from.", nameof(names));
            }

            user.Show($"You belong to {names.Count} Azure DevOps organizations:");
            for (int i = 0; i < names.Count; i++)
            {
                user.Show($"  [{i + 1}] {names[i]}");
            }

            for (int attempt = 0; attempt < 3; attempt++)
            {
                string answer = (user.ReadLine($"Which one should this connection use? (number or name, Enter for {names[0]}): ") ?? string.Empty).Trim();
                if (answer.Length == 0)
                {
                    return names[0];
                }

                if (int.TryParse(answer, NumberStyles.None, CultureInfo.InvariantCulture, out int number) && number >= 1 && number <= names.Count)
                {
                    return names[number - 1];
                }

                string? match = names.FirstOrDefault(n => string.Equals(n, answer, StringComparison.OrdinalIgnoreCase));
                if (match != null)
                {
                    return match;
                }

                user.Show($"'{answer}' is not one of them: type a number from 1 to {names.Count} or a name from the list.");
            }

            return names[0];
        }

        /// <summary>The error a script gets when it belongs to several organizations and named none (the connection is kept).</summary>
        public static PfaException Required(IReadOnlyList<string> names) => new PfaException(
            ErrorIds.OrganizationChoiceRequired,
            PfaErrorKind.InvalidArgument,
            $"You are connected, but you belong to {names.Count} organizations ({string.Join(", ", names)}) and this session cannot ask which one.\nNext: Connect-PfaAzureDevOps -Organization {names[0]}, or give -Organization to each key cmdlet.",
            string.Join(",", names));
    }
}
