using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using PfaAzureDevOps.Core.Rest;

namespace PfaAzureDevOps.Core.Tests.OAuth
{
    /// <summary>An HttpMessageHandler that answers from a script and records what it was sent.</summary>
    internal sealed class ScriptedHandler : HttpMessageHandler
    {
        private readonly Queue<Func<HttpRequestMessage, HttpResponseMessage>> _answers = new Queue<Func<HttpRequestMessage, HttpResponseMessage>>();

        public List<HttpRequestMessage> Requests { get; } = new List<HttpRequestMessage>();

        public List<string?> Bodies { get; } = new List<string?>();

        public ScriptedHandler Then(Func<HttpRequestMessage, HttpResponseMessage> answer)
        {
            _answers.Enqueue(answer);
            return this;
        }

        public ScriptedHandler Then(HttpStatusCode status, string body, string mediaType = "application/json", Action<HttpResponseMessage>? configure = null) =>
            Then(_ =>
            {
                var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
                configure?.Invoke(response);
                return response;
            });

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Requests.Add(request);
            Bodies.Add(request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken));
            if (_answers.Count == 0)
            {
                throw new InvalidOperationException("No scripted answer left.");
            }

            return _answers.Dequeue()(request);
        }
    }

    internal static class Fakes
    {
        public static HttpCallOptions Options(List<TimeSpan> delays, int maxRetries = 3) => new HttpCallOptions
        {
            MaxRetries = maxRetries,
            AttemptTimeout = TimeSpan.FromSeconds(5),
            Delay = (delay, token) =>
            {
                delays.Add(delay);
                return Task.CompletedTask;
            },
        };

        public const string VssUnauthorized = "{\"$id\":\"1\",\"innerException\":null,\"message\":\"TF400813: Resource not available for anonymous access. Client authentication required.\",\"typeName\":\"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException\",\"typeKey\":\"UnauthorizedRequestException\",\"errorCode\":0,\"eventId\":3000}";

        public const string VssNotAuthorized = "{\"$id\":\"1\",\"innerException\":null,\"message\":\"TF400813: The user 'abc' is not authorized to access this resource.\",\"typeName\":\"Microsoft.TeamFoundation.Framework.Server.UnauthorizedRequestException\",\"typeKey\":\"UnauthorizedRequestException\",\"errorCode\":0,\"eventId\":3000}";
    }
}
