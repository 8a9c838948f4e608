// A request that takes a while (at most 30 s), to show what `docker stop` does to it.
export const dynamic = 'force-dynamic';

export async function GET(request: Request) {
  const asked = Number(new URL(request.url).searchParams.get('seconds') ?? 2);
  const seconds = Number.isFinite(asked) ? Math.min(Math.max(asked, 0), 30) : 2;
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  return Response.json({ slept: seconds });
}
