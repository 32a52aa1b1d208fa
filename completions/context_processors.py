from .demo import demo_mode_on


def demo_mode(request) -> dict:
    return {"demo_mode": demo_mode_on()}
